/**
 * Peer adapter: Vectra with its opt-in ProtobufCodec, which stores vectors as packed float32 instead of JSON
 * text. Same store and queries as vectra.ts; only the index file's format (and so its size and load time) differ.
 */

import { ProtobufCodec } from 'vectra';
import { vectraSystem } from './vectra.js';

export default vectraSystem('Vectra (protobuf file)', () => new ProtobufCodec());
