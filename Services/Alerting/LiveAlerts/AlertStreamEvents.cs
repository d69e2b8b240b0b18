namespace ConnectorHealth.Alerting.LiveAlerts;

/// <summary>The event types of <c>GET /api/alerts/stream</c>.</summary>
public static class AlertStreamEvents
{
    /// <summary>An alert opened (data: <c>AlertRaised</c>).</summary>
    public const string Raised = "raised";

    /// <summary>An open alert was acknowledged, counted new occurrences or changed severity (data: <c>AlertUpdated</c>).</summary>
    public const string Updated = "updated";

    /// <summary>An alert was resolved (data: <c>AlertResolved</c>).</summary>
    public const string Resolved = "resolved";

    /// <summary>Sent when the stream opens and every 15 s after, so proxies keep the connection (no data).</summary>
    public const string Heartbeat = "heartbeat";

    /// <summary>The last event of a stream that fell too far behind: events were lost, so read the list again and reconnect.</summary>
    public const string Reconnect = "reconnect";
}
