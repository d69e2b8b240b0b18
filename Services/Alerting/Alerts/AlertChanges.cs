using ConnectorHealth.Contracts;

namespace ConnectorHealth.Alerting.Alerts;

/// <summary>The alerts a batch opened, changed and resolved, published once it is committed.</summary>
public sealed class AlertChanges
{
    public static readonly AlertChanges None = new();

    public List<AlertRaised> Raised { get; } = [];
    public List<AlertUpdated> Updated { get; } = [];
    public List<AlertResolved> Resolved { get; } = [];
}
