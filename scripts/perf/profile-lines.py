import json,glob,collections,sys
p=json.load(open(sys.argv[1]))
root_fn=sys.argv[2] if len(sys.argv)>2 else 'send'
nodes={n['id']:n for n in p['nodes']}
parent={}
for n in p['nodes']:
    for c in n.get('children',[]): parent[c]=n['id']
def stack(i):
    s=[]
    while i is not None:
        s.append(nodes[i]['callFrame']['functionName']); i=parent.get(i)
    return s
hits=collections.Counter(p['samples'])
tot=0; sub=collections.Counter(); lines=collections.defaultdict(collections.Counter)
under={i for i in nodes if root_fn in stack(i)}
for i,h in hits.items():
    if i not in under: continue
    tot+=h
    cf=nodes[i]['callFrame']
    sub[cf['functionName']+' '+'/'.join(cf['url'].split('/')[-2:])]+=h
for i in under:
    cf=nodes[i]['callFrame']
    for t in nodes[i].get('positionTicks',[]): lines[cf['functionName']+' '+'/'.join(cf['url'].split('/')[-2:])][t['line']]+=t['ticks']
print(root_fn,'samples',tot)
for k,v in sub.most_common(int(sys.argv[3]) if len(sys.argv)>3 else 30):
    print(f"{100*v/tot:5.1f} {k}   lines:", ' '.join(f"{l}:{c}" for l,c in sorted(lines[k].items(), key=lambda x:-x[1])[:6]))
