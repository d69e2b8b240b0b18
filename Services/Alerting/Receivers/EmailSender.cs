using System.Net;
using System.Net.Sockets;
using System.Text;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace ConnectorHealth.Alerting.Receivers;

/// <summary>
/// E-mail over SMTP (MailKit): a subject like the chat headline, a plain-text and an HTML part listing the alerts.
/// Logs in only when the receiver has a <see cref="ChannelOptions.Username"/>, and over plain text only when its
/// <see cref="ChannelOptions.SmtpSecurity"/> is None. The server refusing the message or the
/// login for good (5xx, failed authentication) is final; anything that may pass (4xx, no connection, no answer in
/// time) is tried again.
/// </summary>
public sealed class EmailSender : IReceiverSender
{
    // A mail is read, not scrolled through without end: the rest of a very large group is counted.
    private const int ListedInMail = 200;

    public ChannelFormat Format => ChannelFormat.Email;

    public async Task<DeliveryOutcome> SendAsync(string name, ChannelOptions receiver, Notice notice, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(receiver.SmtpHost) || !ChannelOptions.IsMailbox(receiver.From)
            || receiver.To is not { Count: > 0 } || !receiver.To.All(ChannelOptions.IsMailbox))
        {
            return new DeliveryOutcome(false, null, "the receiver needs an SmtpHost, a From address and To addresses", Final: true);
        }
        var message = Message(receiver, notice);
        using var client = new SmtpClient();
        try
        {
            await client.ConnectAsync(receiver.SmtpHost, receiver.SmtpPort, SocketOptions(receiver.SmtpSecurity), cancellationToken);
            if (!string.IsNullOrEmpty(receiver.Username))
            {
                // Auto takes TLS when the server offers it; a server that does not (or a network that strips the offer)
                // must not get the password in plain text unless the receiver says so with None.
                if (!client.IsSecure && receiver.SmtpSecurity != SmtpSecurity.None)
                {
                    return new DeliveryOutcome(false, null,
                        $"{receiver.SmtpHost}:{receiver.SmtpPort} offered no TLS: the password is not sent in plain text (SmtpSecurity None allows it)",
                        Final: true);
                }
                await client.AuthenticateAsync(receiver.Username, receiver.Password ?? "", cancellationToken);
            }
            await client.SendAsync(message, cancellationToken);
        }
        catch (SmtpCommandException ex)
        {
            // 5xx: the server will not take this message or these recipients; 4xx: it may later.
            return new DeliveryOutcome(false, (int)ex.StatusCode, $"SMTP {(int)ex.StatusCode} {ex.Message}", Final: (int)ex.StatusCode >= 500);
        }
        catch (AuthenticationException ex)
        {
            return new DeliveryOutcome(false, null, $"SMTP login refused: {ex.Message}", Final: true);
        }
        catch (Exception ex) when (ex is SmtpProtocolException or SslHandshakeException or IOException or SocketException
            or ServiceNotConnectedException or NotSupportedException)
        {
            return new DeliveryOutcome(false, null, $"SMTP {receiver.SmtpHost}:{receiver.SmtpPort}: {ex.Message}");
        }
        catch (OperationCanceledException)
        {
            return new DeliveryOutcome(false, null, "no answer in time");
        }
        await QuitAsync(client);
        return new DeliveryOutcome(true, (int)SmtpStatusCode.Ok, null);
    }

    // The server took the message: a QUIT that fails after that must not make it look undelivered (and sent twice).
    private static async Task QuitAsync(SmtpClient client)
    {
        using var quitTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await client.DisconnectAsync(quit: true, quitTimeout.Token);
        }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or IOException or SocketException or OperationCanceledException)
        {
            // Nothing left to deliver; the connection is dropped with the client.
        }
    }

    /// <summary>The mail: From and To of the receiver, the headline as subject, a plain-text and an HTML body.</summary>
    public static MimeMessage Message(ChannelOptions receiver, Notice notice)
    {
        var message = new MimeMessage { Subject = NoticeText.Headline(notice) };
        message.From.Add(MailboxAddress.Parse(receiver.From ?? ""));
        message.To.AddRange((receiver.To ?? []).Select(MailboxAddress.Parse));
        message.Body = new BodyBuilder { TextBody = Text(notice), HtmlBody = Html(notice) }.ToMessageBody();
        return message;
    }

    private static string Text(Notice notice)
    {
        var text = new StringBuilder().AppendLine(NoticeText.Headline(notice)).AppendLine();
        if (notice.Kind == NotificationKinds.Test || notice.Alerts.Count == 0)
        {
            return text.AppendLine(NoticeText.TestText).ToString();
        }
        if (notice.Note is { Length: > 0 } note)
        {
            text.AppendLine(note).AppendLine();
        }
        text.AppendLine(Group(notice)).AppendLine();
        foreach (var alert in notice.Alerts.Take(ListedInMail))
        {
            text.AppendLine(NoticeText.Title(alert))
                .Append("  ").AppendLine(alert.Message)
                .Append("  What to do: ").AppendLine(alert.RecommendedAction)
                .Append("  ").AppendLine(NoticeText.Occurrences(alert))
                .AppendLine();
        }
        if (notice.Alerts.Count > ListedInMail)
        {
            text.AppendLine(NoticeText.MoreAlerts(notice.Alerts.Count - ListedInMail));
        }
        return text.AppendLine("-- ").AppendLine($"ConnectorHealth, receiver {notice.Receiver}").ToString();
    }

    private static string Html(Notice notice)
    {
        static string E(string text) => WebUtility.HtmlEncode(text);
        var html = new StringBuilder("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">")
            .Append("<h2 style=\"color:").Append(Colour(notice.Status == NoticeStatus.Resolved ? null : NoticeText.GroupSeverity(notice))).Append("\">")
            .Append(E(NoticeText.Headline(notice))).Append("</h2>");
        if (notice.Kind == NotificationKinds.Test || notice.Alerts.Count == 0)
        {
            return html.Append("<p>").Append(E(NoticeText.TestText)).Append("</p></body></html>").ToString();
        }
        if (notice.Note is { Length: > 0 } note)
        {
            html.Append("<p>").Append(E(note)).Append("</p>");
        }
        html.Append("<p>").Append(E(Group(notice))).Append("</p><ul>");
        foreach (var alert in notice.Alerts.Take(ListedInMail))
        {
            html.Append("<li><p><strong style=\"color:").Append(Colour(alert.State == NoticeStatus.Resolved ? null : alert.Severity)).Append("\">")
                .Append(E(NoticeText.Title(alert))).Append("</strong><br>")
                .Append(E(alert.Message)).Append("<br><em>What to do:</em> ").Append(E(alert.RecommendedAction)).Append("<br>")
                .Append("<small>").Append(E(NoticeText.Occurrences(alert))).Append("</small></p></li>");
        }
        html.Append("</ul>");
        if (notice.Alerts.Count > ListedInMail)
        {
            html.Append("<p>").Append(E(NoticeText.MoreAlerts(notice.Alerts.Count - ListedInMail))).Append("</p>");
        }
        return html.Append("<p><small>ConnectorHealth, receiver ").Append(E(notice.Receiver)).Append("</small></p></body></html>").ToString();
    }

    private static string Group(Notice notice) =>
        $"{notice.Alerts.Count} alert(s), {notice.Status}" + (notice.GroupLabels.Count > 0 ? $" · {NoticeText.Labels(notice)}" : "");

    private static string Colour(string? severity) => severity is null
        ? "#107c10"
        : NoticeText.SeverityOf(severity) switch
        {
            Severity.Critical => "#c50f1f",
            Severity.Warning => "#bc4b09",
            _ => "#0f6cbd",
        };

    private static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };
}
