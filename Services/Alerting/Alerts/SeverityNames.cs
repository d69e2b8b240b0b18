using ConnectorHealth.Contracts;

namespace ConnectorHealth.Alerting.Alerts;

/// <summary>A <see cref="Severity"/> as it is stored and published: lower-case.</summary>
public static class SeverityNames
{
    public static string Name(Severity severity) => severity.ToString().ToLowerInvariant();

    public static Severity Parse(string stored) =>
        EnumNames.TryParse<Severity>(stored, out var severity)
            ? severity
            : throw new InvalidOperationException($"Stored severity '{stored}' is not a severity.");
}
