/**
 * Pure statistics for meta-orchestrator: intervals, tests, effect sizes, multiple comparisons,
 * anytime-valid confidence sequences, power and run comparison. No I/O, no clock; randomness only
 * through a passed-in `Random`.
 */
export { mean, variance, standardDeviation, quantile, sortedCopy } from './descriptive.js';
export {
  normalCdf,
  normalQuantile,
  tCdf,
  tQuantile,
  chiSquareSf,
  binomCdf,
  betaInv,
  pFromCdf,
} from './distributions.js';
export type { Alternative } from './distributions.js';
export { meanInterval, wilsonInterval, clopperPearsonInterval } from './intervals.js';
export type { MeanInterval, ProportionInterval } from './intervals.js';
export { bootstrapInterval, bcaFromReplicates, percentileFromReplicates, jackknife } from './bootstrap.js';
export type { BootstrapOptions } from './bootstrap.js';
export type { Estimate, TestOptions, TestResult } from './test-result.js';
export { welchTTest, welchForm, twoProportionZTest, tInterval } from './two-sample.js';
export { newcombeDifference, agrestiCaffoDifference, bonettPriceDifference, waldInterval } from './proportion-difference.js';
export type { WaldForm } from './proportion-difference.js';
export { mannWhitneyU, mannWhitneyPmf } from './mann-whitney.js';
export type { MannWhitneyOptions, MannWhitneyResult } from './mann-whitney.js';
export { pairedTTest, pairedForm, mcnemarExact, discordantCounts, pairedDifferences } from './paired.js';
export type { DiscordantCounts } from './paired.js';
export { wilcoxonSignedRank, signedRankPmf } from './wilcoxon.js';
export type { WilcoxonOptions, WilcoxonResult } from './wilcoxon.js';
export { differenceOfMeans, ratioOfMeans, cohensD } from './effect-sizes.js';
export { adjustPValues, holm, benjaminiHochberg } from './multiple-comparisons.js';
export type { Adjustment } from './multiple-comparisons.js';
export { meanConfidenceSequence, differenceConfidenceSequence, excludedAt } from './confidence-sequence.js';
export type { ConfidenceSequenceOptions, SequenceInterval } from './confidence-sequence.js';
export { aaPeekingExperiment } from './aa-peeking.js';
export type { AaPeekingOptions, AaPeekingResult } from './aa-peeking.js';
export { sampleRatioMismatch } from './srm.js';
export type { SampleRatioCheck } from './srm.js';
export { sampleSizeProportions, sampleSizeMeans } from './power.js';
export type { PowerOptions } from './power.js';
export { compareSamples } from './compare.js';
export type { CompareInput, Comparison, Observation, SideSummary } from './compare.js';
export { decideVerdict, exceedsBudget, adjustComparisons } from './verdict.js';
export type { Verdict, VerdictInput, Adjustable } from './verdict.js';
export { createBettingTest, bettingUpdate, bettingThreshold } from './betting-test.js';
export type { BettingTestOptions, BettingTestState } from './betting-test.js';
