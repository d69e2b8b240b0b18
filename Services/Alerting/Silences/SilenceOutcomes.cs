using ConnectorHealth.Alerting.Alerts;

namespace ConnectorHealth.Alerting.Silences;

/// <summary>A silence as <c>POST /api/silences</c> left it: created now, or the same silence created before.</summary>
public sealed record SilenceAdded(Silence Silence, bool Created);

/// <summary>What <c>DELETE /api/silences/{id}</c> did: ended it now, found none, or found it ended (at <c>EndedAt</c>).</summary>
public sealed record SilenceExpiry(LifecycleOutcome Outcome, DateTimeOffset? EndedAt);
