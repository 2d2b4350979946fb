// An actor that does nothing, in plain JavaScript: the built runtime starts it on its own
// worker.js with no TypeScript loader, so its hot restart is the runtime's cost alone.
export default {
  accepts: ['noop'],
  create() {
    return { handle() {} };
  },
};
