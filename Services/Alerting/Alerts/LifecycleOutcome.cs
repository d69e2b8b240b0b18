namespace ConnectorHealth.Alerting.Alerts;

/// <summary>What a lifecycle change (acknowledge, resolve, end a silence) did, or why it changed nothing.</summary>
public enum LifecycleOutcome
{
    Done,
    NotFound,
    AlreadyAcknowledged,
    AlreadyResolved,
}
