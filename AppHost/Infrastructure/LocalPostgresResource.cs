using System.Globalization;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>The machine's PostgreSQL server, run by the AppHost; its connection string points at the application database.</summary>
public sealed class LocalPostgresResource(string name, string command, string workingDirectory, int port, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string User = "postgres";

    public int Port { get; } = port;

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Database={ResourceNames.Database};Username={User};Password={Password}");
}
