using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.Apis.Models;

public sealed record SchemaDiffReport(
    string Connector, int From, int To, CompatibilityMode Compatibility, bool Breaking, IReadOnlyList<SchemaChange> Changes);
