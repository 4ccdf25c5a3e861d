import { benchReport } from './report';

/** Output of bench:openflow, shared by its parts. */
export const { emit, progress } = benchReport('openflow');
