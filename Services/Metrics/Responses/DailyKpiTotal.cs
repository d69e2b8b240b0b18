namespace ConnectorHealth.Metrics.Responses;

// KPIs of all connectors together on one UTC day: Connectors is how many ran that day. Rates are 0–1. Runs counts aborted
// runs too; they are neither Succeeded nor failed.
// Immutable, so the closed-day cache hands out this instance instead of a copy.
[System.ComponentModel.ImmutableObject(true)]
public sealed record DailyKpiTotal(
    DateOnly Day,
    int Connectors,
    long Runs,
    long Succeeded,
    double SuccessRate,
    double RateLimitedRate,
    double MeanAttempts,
    long Aborted = 0)
{
    /// <summary>A day without runs (kept in the closed-day cache like any other; left out of answers).</summary>
    public static DailyKpiTotal None(DateOnly day) => new(day, 0, 0, 0, 0, 0, 0);
}
