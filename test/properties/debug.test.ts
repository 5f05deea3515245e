import { it } from 'vitest';
import { withNodeLab, silenceNodeResets } from './support/kernel-node-lab.js';
import { sendBatch } from './support/kernel-sender.js';
const RULES = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
COMMIT
`;
it('debug', async () => {
  await withNodeLab((lab) => {
    lab.node.exec(['iptables-legacy-restore'], RULES);
    silenceNodeResets(lab);
    lab.node.exec(['conntrack', '-F']);
    const b = sendBatch(lab.pods, [{ id: 1, proto: 'tcp', src: '10.244.1.10', sport: 30070, dst: '192.168.56.11', dport: 30000 }]);
    console.log(lab.node.exec(['conntrack', '-L']).stderr, lab.node.exec(['iptables-legacy', '-L', 'INPUT', '-v', '-n']).stdout, lab.node.exec(['iptables-legacy', '-t', 'raw','-L', '-v', '-n']).stdout);
    lab.node.exec(['iptables-legacy', '-t', 'nat', '-A', 'PREROUTING', '-m', 'conntrack', '--ctstate', 'NEW']);
    sendBatch(lab.pods, [{ id: 1, proto: 'tcp', src: '10.244.1.10', sport: 30071, dst: '192.168.56.11', dport: 30000 }]);
    console.log(lab.node.exec(['conntrack', '-L']));
  });
});
