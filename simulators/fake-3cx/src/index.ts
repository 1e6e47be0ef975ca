// @cwn/fake-3cx: a fake 3CX web client (page, MyPhone push socket, far end) for tests and the demo.
export * from './server';
export * from './myphone-frames';
