namespace ConnectorHealth.Contracts;

/// <summary>An alert opened (for live views such as the web UI).</summary>
public sealed record AlertRaised(
    long AlertId, string Connector, string Rule, string Severity, string Message, string RecommendedAction, DateTimeOffset RaisedAt,
    long? PreviousAlertId);

/// <summary>An alert was resolved, by itself once its condition held clear (<c>auto</c>) or by a person (<c>manual</c>).</summary>
public sealed record AlertResolved(long AlertId, string Connector, string Rule, string Resolution, DateTimeOffset ResolvedAt);
