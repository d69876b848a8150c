// The ES1371's u-driver process: a worker serving the upcalls over the generated stubs.
import { serveUserDriver } from '../common/user-main.js';
import { plan } from './generated/ts/ens1371.plan.js';
import { downcalls, userDispatcher } from './generated/ts/ens1371.stubs.js';
import { ens1371UserDriver } from './udriver.js';

await serveUserDriver({ plan, downcalls, driver: ens1371UserDriver, dispatcher: userDispatcher });
