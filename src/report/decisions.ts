/** The decision log in numbers: decisions by kind and how the validated ones turned out. */
export interface DecisionSummary {
  total: number;
  byKind: Record<string, number>;
  /** Decisions whose change was tested against a control share, by verdict, and each verdict's share of those with one. */
  validation: {
    tested: number;
    beneficial: number;
    neutral: number;
    harmful: number;
    pending: number;
    cancelled: number;
    shares: { beneficial: number | null; neutral: number | null; harmful: number | null };
  };
  undone: number;
  escalations: { total: number; sent: number; failed: number };
}

/**
 * Summarises a decision log (any records with kind, validation status, undoneBy, escalate, delivery).
 *
 * @example
 * summariseDecisions(store.controller.list(runId)).validation.shares.harmful; // 0.1
 */
export function summariseDecisions(
  decisions: readonly { kind: string; validation: { status: string }; undoneBy: number | null; escalate: boolean; delivery?: unknown }[],
): DecisionSummary {
  const byKind: Record<string, number> = {};
  const v = { tested: 0, beneficial: 0, neutral: 0, harmful: 0, pending: 0, cancelled: 0 };
  const escalations = { total: 0, sent: 0, failed: 0 };
  let undone = 0;
  for (const d of decisions) {
    byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
    const s = d.validation.status;
    if (s === 'beneficial' || s === 'neutral' || s === 'harmful' || s === 'pending' || s === 'cancelled') {
      v.tested++;
      v[s]++;
    }
    if (d.undoneBy !== null) undone++;
    if (d.escalate) {
      escalations.total++;
      const status = (d.delivery as { status?: string } | null | undefined)?.status;
      if (status === 'sent') escalations.sent++;
      if (status === 'failed') escalations.failed++;
    }
  }
  const judged = v.beneficial + v.neutral + v.harmful;
  const share = (n: number) => (judged ? n / judged : null);
  return {
    total: decisions.length, byKind, undone, escalations,
    validation: { ...v, shares: { beneficial: share(v.beneficial), neutral: share(v.neutral), harmful: share(v.harmful) } },
  };
}
