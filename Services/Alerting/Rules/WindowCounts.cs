namespace ConnectorHealth.Alerting.Rules;

/// <summary>The runs of one connector that finished within a time window.</summary>
public readonly record struct WindowCounts(long Total, long Failed, long RateLimited);
