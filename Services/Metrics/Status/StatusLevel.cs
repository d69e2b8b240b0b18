namespace ConnectorHealth.Metrics.Status;

// A status board state, worst first.
public enum StatusLevel
{
    Failing,
    Stale,
    Degraded,
    Healthy,
}
