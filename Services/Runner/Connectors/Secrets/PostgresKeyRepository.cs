using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace ConnectorHealth.Runner.Connectors.Secrets;

/// <summary>
/// Keeps ASP.NET Core Data Protection's key ring in <c>runner.data_protection_keys</c>, so every replica protects and
/// reads secrets with the same keys. The interface is synchronous; the key ring is read rarely (at start, then about
/// once a day) and cached by Data Protection itself.
/// </summary>
public sealed class PostgresKeyRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = dataSource.CreateCommand("SELECT xml FROM runner.data_protection_keys ORDER BY created_at, name");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = dataSource.CreateCommand(
            "INSERT INTO runner.data_protection_keys (name, xml) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET xml = excluded.xml");
        command.Parameters.AddWithValue(friendlyName);
        command.Parameters.AddWithValue(element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
