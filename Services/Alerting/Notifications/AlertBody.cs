namespace ConnectorHealth.Alerting.Notifications;

/// <summary>An alert as a notification carries it.</summary>
public sealed record AlertBody(
    long AlertId, string Connector, string Rule, string Severity, string State, string Message, string RecommendedAction,
    int Occurrences, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long? PreviousAlertId, DateTimeOffset? ResolvedAt);
