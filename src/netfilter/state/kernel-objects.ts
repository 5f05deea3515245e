/**
 * Objects outside the tables that rules refer to and the kernel checks when a table is committed:
 * nfacct counters (`-m nfacct`) and ipsets (`-m set`). The node provides them.
 */
export interface KernelObjects {
  hasNfacct(name: string): boolean;
  hasSet(name: string): boolean;
}

export const NO_KERNEL_OBJECTS: KernelObjects = {
  hasNfacct: () => false,
  hasSet: () => false,
};
