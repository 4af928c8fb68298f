// Preloaded into the Portkey gateway (node -r ./loopback.cjs): it has no host flag and listens on every interface; the
// benchmark keeps all traffic on loopback.
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function')) {
    args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
