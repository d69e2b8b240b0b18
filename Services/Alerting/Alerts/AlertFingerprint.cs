using System.Security.Cryptography;
using System.Text;

namespace ConnectorHealth.Alerting.Alerts;

/// <summary>Identifies one alert across evaluations: the same connector, rule and key always give the same fingerprint.</summary>
public static class AlertFingerprint
{
    public static string Of(string connector, string rule, string key)
    {
        // Joined with NUL, which no connector name, rule name or key holds, so ("a", "bc") and ("ab", "c") differ.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{connector}\0{rule}\0{key}"));
        return Convert.ToHexStringLower(hash)[..32];
    }
}
