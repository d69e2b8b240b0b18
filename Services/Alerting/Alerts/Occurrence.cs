namespace ConnectorHealth.Alerting.Alerts;

/// <summary>What made an alert fire (again): a run or a drift event, counted once by its source.</summary>
public sealed record Occurrence(string Source, DateTimeOffset At, string Detail);
