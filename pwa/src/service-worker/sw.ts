/// <reference lib="webworker" />
// The service worker program: each offline behaviour lives in its own file.
import { installLifecycle } from './lifecycle';
import { precacheAppShell } from './precache';
import { serveShellForNavigations } from './navigation';
import { installPush } from './push';

declare const self: ServiceWorkerGlobalScope;

installLifecycle(self);
precacheAppShell(self.__WB_MANIFEST);
serveShellForNavigations();
installPush(self);
