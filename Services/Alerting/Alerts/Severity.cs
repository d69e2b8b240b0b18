namespace ConnectorHealth.Alerting.Alerts;

/// <summary>Stored and displayed lower-case (<c>EnumNames.Name</c>).</summary>
public enum Severity
{
    Info,
    Warning,
    Critical,
}
