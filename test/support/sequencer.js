/** Jest's own order, with the cluster tests last: `npm test` builds their server in the background meanwhile. */
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const isCluster = (test) => test.path.split(path.sep).join('/').includes('/test/cluster/');

class ClusterLast extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...sorted.filter((t) => !isCluster(t)), ...sorted.filter(isCluster)];
  }
}

module.exports = ClusterLast;
