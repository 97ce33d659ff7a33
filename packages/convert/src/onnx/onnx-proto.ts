/**
 * The part of the ONNX protobuf schema an exporter of a single-graph float model needs, written
 * out from the ONNX IR specification (`onnx/onnx.proto`, proto2, the same message names and field
 * numbers), encoded and decoded with protobufjs. Messages and fields we never write (sparse
 * tensors, functions, training info, sequence/map types) are left out: a decoder skips unknown
 * fields, and any ONNX reader accepts a model without them.
 */
import protobuf from 'protobufjs';

const ONNX_SCHEMA = `
syntax = "proto2";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5;
    FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10;
  }
  optional string name = 1;
  optional string ref_attr_name = 21;
  optional string doc_string = 13;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  optional GraphProto g = 6;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated GraphProto graphs = 11;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0; FLOAT = 1; UINT8 = 2; INT8 = 3; UINT16 = 4; INT16 = 5; INT32 = 6;
    INT64 = 7; STRING = 8; BOOL = 9; FLOAT16 = 10; DOUBLE = 11; UINT32 = 12; UINT64 = 13;
  }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional string doc_string = 12;
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    optional string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  optional string denotation = 6;
}
`;

/** `TensorProto.DataType` values used here. */
export const OnnxDataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10 } as const;
export type OnnxDataTypeCode = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** `AttributeProto.AttributeType` values used here. */
export const OnnxAttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

/** protobufjs decodes int64 fields as numbers or Long-like objects; we write plain numbers. */
export type Int64 = number | { toNumber(): number };

export interface TensorProto {
  name: string;
  dims: Int64[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int64Data?: Int64[];
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  floats?: number[];
  ints?: Int64[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain?: string;
  attribute: AttributeProto[];
}

export interface DimensionProto {
  dimValue?: Int64;
  dimParam?: string;
}

export interface ValueInfoProto {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: DimensionProto[] } } };
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
  docString?: string;
}

export interface ModelProto {
  irVersion: Int64;
  opsetImport: Array<{ domain: string; version: Int64 }>;
  producerName: string;
  producerVersion: string;
  modelVersion?: Int64;
  docString?: string;
  graph: GraphProto;
  metadataProps?: Array<{ key: string; value: string }>;
}

let schemaRoot: protobuf.Root | null = null;

function onnxType(name: 'ModelProto' | 'GraphProto' | 'TensorProto'): protobuf.Type {
  schemaRoot ??= protobuf.parse(ONNX_SCHEMA, { keepCase: false }).root;
  return schemaRoot.lookupType(`onnx.${name}`);
}

/** Encodes one message from plain objects (camelCase fields, numeric enums). */
export function encodeMessage(type: 'ModelProto' | 'GraphProto' | 'TensorProto', message: object): Uint8Array {
  return onnxType(type).encode(message as Record<string, unknown>).finish();
}

export function encodeModelProto(model: ModelProto): Uint8Array {
  return encodeMessage('ModelProto', model);
}

/**
 * The tag and length of a length-delimited field (wire type 2) whose payload follows separately:
 * lets a large message be written as a list of chunks (protobuf allows fields in any order).
 */
export function lengthDelimitedPrefix(fieldNumber: number, payloadBytes: number): Uint8Array {
  return protobuf.Writer.create()
    .uint32((fieldNumber << 3) | 2)
    .uint32(payloadBytes)
    .finish();
}

/** Field numbers used to assemble a model from chunks (onnx.proto). */
export const ONNX_FIELD = { modelGraph: 7, graphInitializer: 5, tensorRawData: 9 } as const;

/** Decodes model bytes (ours or anyone's) into plain objects; int64 fields become numbers. */
export function decodeModelProto(bytes: Uint8Array): ModelProto {
  const type = onnxType('ModelProto');
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Uint8Array, arrays: true, defaults: false }) as ModelProto;
}

export function int64ToNumber(v: Int64 | undefined): number {
  if (v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}
