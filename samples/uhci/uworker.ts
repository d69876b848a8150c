// The UHCI u-driver process: a worker serving the upcalls over the generated stubs.
import { serveUserDriver } from '../common/user-main.js';
import { plan } from './generated/ts/uhci.plan.js';
import { downcalls, userDispatcher } from './generated/ts/uhci.stubs.js';
import { uhciUserDriver } from './udriver.js';

await serveUserDriver({ plan, downcalls, driver: uhciUserDriver, dispatcher: userDispatcher });
