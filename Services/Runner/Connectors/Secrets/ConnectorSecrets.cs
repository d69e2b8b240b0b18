using Microsoft.AspNetCore.DataProtection;

namespace ConnectorHealth.Runner.Connectors.Secrets;

/// <summary>
/// Protects a connector's secret header value for storage (<c>runner.connectors.secret</c>) and reads it back, with
/// ASP.NET Core Data Protection: authenticated encryption whose keys rotate and live in PostgreSQL for every replica.
/// </summary>
public sealed class ConnectorSecrets(IDataProtectionProvider provider)
{
    public const string ApplicationName = "ConnectorHealth.Runner";

    private readonly IDataProtector _protector = provider.CreateProtector("connector-secret-header.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
