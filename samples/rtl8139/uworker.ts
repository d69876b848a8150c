// The 8139's u-driver process: a worker serving the upcalls over the generated stubs.
import { serveUserDriver } from '../common/user-main.js';
import { plan } from './generated/ts/rtl8139too.plan.js';
import { downcalls, userDispatcher } from './generated/ts/rtl8139too.stubs.js';
import { rtl8139UserDriver } from './udriver.js';

await serveUserDriver({ plan, downcalls, driver: rtl8139UserDriver, dispatcher: userDispatcher });
