// The e1000's u-driver process: a worker serving the upcalls over the generated stubs.
import { serveUserDriver } from '../common/user-main.js';
import { plan } from './generated/ts/e1000.plan.js';
import { downcalls, userDispatcher } from './generated/ts/e1000.stubs.js';
import { e1000UserDriver } from './udriver.js';

await serveUserDriver({ plan, downcalls, driver: e1000UserDriver, dispatcher: userDispatcher });
