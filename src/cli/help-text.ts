/** Help sections shared by the commands that trace a packet. */

export const SOURCES_HELP = `
SOURCES (--from)
  pod/NS/NAME    a pod (its own network namespace, or the node's for hostNetwork pods)
  node/NAME      a node's own stack (the packet goes through OUTPUT)
  IP             a pod if the IP is inside a node's pod CIDR (even without a Pod object);
                 the node itself if it is a node address or 127.0.0.1;
                 otherwise an external client on the underlay, entering the node that owns
                 the destination address, or the node named with --node`;

export const DESTINATIONS_HELP = `
DESTINATIONS (--to)
  svc/NS/NAME[:PORT]   a Service's ClusterIP; PORT is a port name or number (default: the first
                       port, or the first of --proto)
  pod/NS/NAME:PORT     a pod's IP
  IP:PORT              any address: a NodePort on a node IP, an external or load-balancer IP, ...`;

export const EXIT_HELP = `
EXIT STATUS
  0 success; 1 bad input (unreadable file, invalid object, unknown name, rejected rules);
  2 usage error (unknown option, malformed or missing argument)`;
