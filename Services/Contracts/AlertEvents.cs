namespace ConnectorHealth.Contracts;

/// <summary>An alert opened (for live views such as the web UI).</summary>
public sealed record AlertRaised(
    long AlertId, string Connector, string Rule, string Severity, string Message, string RecommendedAction, DateTimeOffset RaisedAt,
    long? PreviousAlertId);

/// <summary>An alert was resolved, by itself once its condition held clear (<c>auto</c>) or by a person (<c>manual</c>).</summary>
public sealed record AlertResolved(long AlertId, string Connector, string Rule, string Resolution, DateTimeOffset ResolvedAt);

/// <summary>
/// An open alert changed without opening or resolving (for live views): a person acknowledged it (<c>acknowledged</c>),
/// its severity changed (<c>severity</c>), or new occurrences were counted (<c>occurred</c>; a change of severity that
/// came with new occurrences is announced as <c>severity</c>). It carries the alert's state, severity and occurrence
/// count after the change.
/// </summary>
public sealed record AlertUpdated(
    long AlertId, string Connector, string Rule, string Change, string State, string Severity, int Occurrences, DateTimeOffset UpdatedAt);
