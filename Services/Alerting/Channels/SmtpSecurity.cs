namespace ConnectorHealth.Alerting.Channels;

/// <summary>How the connection to an SMTP server is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text, a password too: only for a relay on a trusted network.</summary>
    None,

    /// <summary>STARTTLS, required (submission on 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (SMTPS on 465).</summary>
    SslOnConnect,

    /// <summary>TLS on port 465, STARTTLS elsewhere when the server offers it (no login without it).</summary>
    Auto,
}
