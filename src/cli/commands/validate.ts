import { type Command, Option } from 'commander';
import { Cluster, errorsOrNone, isKpemuError, type KpemuError, type ProxyMode, validateClusterFiles } from '../../index.js';
