using System.Globalization;
using Medallion.Threading.Postgres;

namespace ConnectorHealth.ScaleBench;

// The key of a connector's advisory lock as the runner takes it (Services/Runner/Runs/ConnectorLocks.cs: the library's
// key for this name, hashed to 64 bits), so pg_locks tells which connectors a replica's lock sessions hold.
internal static class ConnectorLockKey
{
    public static long Of(string connector) => long.Parse(
        new PostgresAdvisoryLockKey($"connectorhealth.runner.connector:{connector}", allowHashing: true).ToString(),
        NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
