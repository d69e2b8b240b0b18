using System.ComponentModel;

namespace ConnectorHealth.Metrics.KpiReports;

// The failures of one UTC day by connector and error type. Immutable, so the cache hands out this instance.
[ImmutableObject(true)]
public sealed record FailureReasonDay(DateOnly Day, FailureCount[] Counts);

public readonly record struct FailureCount(FailureKey Key, int Failures);
