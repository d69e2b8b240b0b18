namespace ConnectorHealth.Alerting.Rules;

/// <summary>Stored and displayed lower-case (<c>EnumNames.Name</c>).</summary>
public enum Severity
{
    Info,
    Warning,
    Critical,
}
