// The mutable state of one export: the nodes and initializers written so far, tensor names per
// graph node, and the shared scalar constants. Layer translations (./layers.ts) write through it.
import type { GraphNode, NodeId } from '../../ir/graph.js';
import {
  floatTensor,
  int64Tensor,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
} from './proto.js';

/** What a layer translation needs to know about the model and the weights. */
export class OnnxBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly tensors = new Map<NodeId, string>();
  private readonly constants = new Set<string>();

  constructor(
    private readonly weights: ReadonlyMap<string, Float32Array>,
    private readonly docOf: (node: GraphNode) => string,
  ) {}

  /** The tensor that holds node `id`'s output. */
  tensor(id: NodeId): string {
    const name = this.tensors.get(id);
    if (name === undefined) throw new Error(`internal error: node ${id} has no ONNX tensor`);
    return name;
  }

  /** Records that node `id`'s output is the tensor `name` (a layer's output or an alias). */
  bind(id: NodeId, name: string): void {
    this.tensors.set(id, name);
  }

  /** Appends an ONNX node that reads `inputs` and writes `output`; returns `output`. */
  add(
    layer: GraphNode,
    opType: string,
    name: string,
    inputs: readonly string[],
    output: string,
    attribute: readonly AttributeProto[] = [],
  ): string {
    this.nodes.push({
      name,
      opType,
      input: [...inputs],
      output: [output],
      attribute: [...attribute],
      docString: this.docOf(layer),
    });
    return output;
  }

  /** Adds the parameter `name` (a `state_dict` name) as an initializer; returns its name. */
  weight(name: string, dims: readonly number[]): string {
    const data = this.weights.get(name);
    if (!data) throw new Error(`internal error: no value for parameter \`${name}\``);
    const size = dims.reduce((acc, dim) => acc * dim, 1);
    if (data.length !== size)
      throw new Error(`internal error: \`${name}\` has ${data.length} values, expected ${size}`);
    this.initializers.push(floatTensor(name, dims, data));
    return name;
  }

  /** A float32 constant initializer, written once per name. */
  floatConstant(name: string, dims: readonly number[], data: Float32Array): string {
    if (!this.constants.has(name)) {
      this.constants.add(name);
      this.initializers.push(floatTensor(name, dims, data));
    }
    return name;
  }

  /** A float32 scalar constant such as `const/6`. */
  scalar(value: number): string {
    return this.floatConstant(`const/${value}`, [], Float32Array.of(value));
  }

  /** An int64 vector constant (Pad's `pads`). */
  int64Constant(name: string, values: readonly number[]): string {
    if (!this.constants.has(name)) {
      this.constants.add(name);
      this.initializers.push(int64Tensor(name, values));
    }
    return name;
  }
}
