using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.Drift.StoredHistory;
using Npgsql;

namespace ConnectorHealth.Drift.Detection;

/// <summary>Fills in each event's changes: the diff between its versions' fields under the connector's mode.</summary>
internal sealed class ChangeDescriber(VersionFieldsCache versionFields)
{
    public async Task DescribeChangesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, BatchWrites writes, CancellationToken cancellationToken)
    {
        if (writes.Events.Count == 0)
        {
            return;
        }
        var created = writes.NewVersions.ToDictionary(version => (version.Connector, version.Version), version => version.Schema.Fields);
        var wanted = writes.Events
            .SelectMany(row => new[] { row.FromVersion, row.ToVersion }
                .Where(version => version is not null)
                .Select(version => (row.Connector, version!.Value)))
            .Where(key => !created.ContainsKey(key))
            .Distinct()
            .ToArray();
        var loaded = await versionFields.LoadAsync(connection, transaction, wanted, cancellationToken);

        IReadOnlyList<FieldSchema> FieldsOf(string connector, int version) =>
            created.TryGetValue((connector, version), out var fields) ? fields : loaded[(connector, version)];

        for (var i = 0; i < writes.Events.Count; i++)
        {
            var row = writes.Events[i];
            var connector = row.Connector;
            IReadOnlyList<FieldSchema> toFields = row.ToVersion is { } toVersion ? FieldsOf(connector, toVersion) : row.Schema?.Fields ?? [];
            row.Changes = row.FromVersion is { } fromVersion && (row.ToVersion != fromVersion || row.Kind != DriftKind.ContractViolation)
                ? SchemaDiff.Compare(FieldsOf(connector, fromVersion), toFields, row.Compatibility)
                : [];
            // A new fingerprint with nothing a consumer would notice (a field seen only as null got its first type) is kept
            // in the history but tells nobody.
            if (row.Notify && row.Kind is DriftKind.NewVersion or DriftKind.Reverted && row.Changes.Count == 0 && row.Violations.Count == 0)
            {
                writes.Events[i] = row with { Notify = false };
            }
        }
    }
}
