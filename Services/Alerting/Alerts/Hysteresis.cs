using ConnectorHealth.Alerting.Rules;

namespace ConnectorHealth.Alerting.Alerts;

/// <summary>
/// An alert whose condition clears resolves only once it has stayed clear for a while, so a condition hovering at its
/// threshold does not open and resolve an alert at every evaluation.
/// </summary>
public static class Hysteresis
{
    /// <param name="clearSince">Since when the condition has been clear; null while it fires.</param>
    /// <returns>The new clear-since (null when firing) and whether to resolve the alert now.</returns>
    public static (DateTimeOffset? ClearSince, bool Resolve) Next(bool conditionFiring, DateTimeOffset? clearSince, DateTimeOffset now, TimeSpan resolveAfter)
    {
        if (conditionFiring)
        {
            return (null, false);
        }
        var since = clearSince ?? now;
        return (since, now - since >= resolveAfter);
    }

    /// <summary>Every rule but schema_drift: a drift stays until someone resolves it (the schema does not change back).</summary>
    public static bool ClearsByItself(string rule) => RuleNames.IsKnown(rule) && rule != RuleNames.SchemaDrift;
}
