// Stand-in for the `debug` package in the prebuilt browser bundles (see bundle.mjs): every namespace is off,
// so the guarded log calls are never made and nothing of `debug` is shipped.
const off = () => {};
off.enabled = false;
export default () => off;
