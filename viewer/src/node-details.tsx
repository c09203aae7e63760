// Details of one graph node: op, function, inputs and outputs with shapes, dtypes, storage ids
// and bytes, and the nodes that consume it. Input and consumer names jump to that node.
import { OP_CATEGORY_LABELS, opCategory, shortOpName } from '../../src/core/report/op-names.js';
import type { GraphTable } from '../../src/core/report/view-data.js';
import { formatBytes, formatTensor } from './format.js';

/** The details panel for node `id`. */
export function NodeDetails(props: {
  table: GraphTable;
  id: number;
  onJump: (id: number) => void;
  /** Which graph the table is: a fused graph (graph executor, AOT main) or the Relay @main. */
  level?: 'fused' | 'relay';
  /** Relay operators the fused function's name lists, each a link to them in the Relay level. */
  members?: string[] | undefined;
  onMember?: (op: string) => void;
}) {
  const relay = props.level === 'relay';
  const { nodes, edges } = props.table;
  const n = nodes[props.id];
  if (n === undefined) return null;
  const consumers = [...new Set(edges.filter((e) => e.from === n.id).map((e) => e.to))];
  const isHead = props.table.heads.some((h) => h[0] === n.id);
  const jump = (id: number) => (
    <button type="button" class="link mono" onClick={() => props.onJump(id)}>
      {nodes[id]?.name ?? `#${id}`}
    </button>
  );
  return (
    <div class="node-details" id="node-details">
      <h2 class="mono" id="detail-name">
        {n.name}
      </h2>
      <dl class="facts">
        <div class="fact">
          <dt>node</dt>
          <dd>#{n.id}</dd>
        </div>
        <div class="fact">
          <dt>op</dt>
          <dd id="detail-op">
            {n.kind !== 'op' ? `null (${n.kind})` : relay ? (n.funcName ?? 'call') : 'tvm_op'}
            {isHead ? ' · graph output' : ''}
          </dd>
        </div>
        {n.funcName !== null && !relay && (
          <div class="fact">
            <dt>fused ops</dt>
            <dd id="detail-ops">
              {shortOpName(n.funcName, 80)} <span class="muted">({OP_CATEGORY_LABELS[opCategory(n.funcName)]})</span>
            </dd>
          </div>
        )}
        {n.funcName !== null && !relay && (
          <div class="fact">
            <dt>func_name</dt>
            <dd class="mono wrap" id="detail-func">
              {n.funcName}
            </dd>
          </div>
        )}
        {props.members !== undefined && (
          <div class="fact">
            <dt>Relay ops</dt>
            <dd class="mono wrap" id="detail-members">
              {props.members.map((op, i) => (
                <span key={i}>
                  {i > 0 && ' → '}
                  <button
                    type="button"
                    class="link mono"
                    title={`Show the ${op} nodes in the Relay graph`}
                    onClick={() => props.onMember?.(op)}
                  >
                    {op}
                  </button>
                </span>
              ))}
            </dd>
          </div>
        )}
      </dl>
      <h3>Outputs</h3>
      <table class="grid compact" id="detail-outputs">
        <thead>
          <tr>
            <th scope="col">tensor</th>
            <th scope="col" class="num">
              sid
            </th>
            <th scope="col" class="num">
              bytes
            </th>
            <th scope="col" class="num">
              pool
            </th>
          </tr>
        </thead>
        <tbody>
          {n.outputs.map((o, i) => (
            <tr key={i} data-shape={JSON.stringify(o.shape)} data-dtype={o.dtype ?? ''}>
              <td class="mono">
                {formatTensor(o.dtype, o.shape)}
                {o.buffer !== undefined && (
                  <span class="muted">
                    {' '}
                    {o.buffer}
                    {o.pool != null ? ` @ ${o.pool}+${o.offset ?? '?'}` : ''}
                  </span>
                )}
              </td>
              <td class="num">{o.storageId}</td>
              <td class="num" title={`${o.bytes} bytes`}>
                {formatBytes(o.bytes)}
              </td>
              <td class="num" title={`${o.poolBytes} bytes`}>
                {formatBytes(o.poolBytes)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {n.inputs.length > 0 && (
        <>
          <h3>Inputs</h3>
          <ol class="io-list">
            {n.inputs.map(([src, k], i) => {
              const o = nodes[src]?.outputs[k];
              return (
                <li key={i}>
                  {jump(src)} <span class="mono muted">{o ? formatTensor(o.dtype, o.shape) : ''}</span>
                </li>
              );
            })}
          </ol>
        </>
      )}
      {consumers.length > 0 && (
        <>
          <h3>Consumers</h3>
          <ul class="io-list">
            {consumers.slice(0, 50).map((c) => (
              <li key={c}>{jump(c)}</li>
            ))}
            {consumers.length > 50 && <li class="muted">… {consumers.length - 50} more</li>}
          </ul>
        </>
      )}
    </div>
  );
}
