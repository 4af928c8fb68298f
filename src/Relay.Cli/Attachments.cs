using System.Globalization;
using System.Text;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>
/// The files of <c>-a</c>: a text file goes into the prompt after it, under its name and fenced; a PNG, JPEG, GIF or
/// WebP image goes as an image part. Anything else, a file that cannot be read, or more than the edge takes in one
/// request, is a usage error (exit 2) before anything is sent.
/// </summary>
internal static class Attachments
{
    /// <summary>
    /// What all attachments may come to, as sent (text as UTF-8, images as base64, a third larger than the file): the
    /// edge takes a request body of up to 1 MB, and the prompt and the JSON around it need some of that.
    /// </summary>
    public const int MaxSentBytes = 900 * 1024;

    /// <summary>The user message: the prompt, each text file after it, and the images as parts.</summary>
    /// <exception cref="UsageException">A file is unreadable, neither text nor an image, or too large.</exception>
    public static ChatMessage UserMessage(string prompt, IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var text = new StringBuilder(prompt);
        var images = new List<ContentPart>();
        var sent = 0L;
        foreach (var path in paths)
        {
            var bytes = Read(path);
            var media = ImageType(bytes);
            var size = media is null ? bytes.Length : (bytes.Length + 2) / 3 * 4;
            sent += size;
            if (sent > MaxSentBytes)
            {
                throw new UsageException(paths.Count == 1 || size > MaxSentBytes
                    ? $"{path} is too large: {Size(bytes.Length)}, and an attachment can be up to {Size(media is null ? MaxSentBytes : MaxSentBytes / 4 * 3)} ({(media is null ? "text" : "an image")})"
                    : $"the attachments are too large together: up to {Size(MaxSentBytes)} of text, or three quarters of that in images");
            }

            if (media is not null)
            {
                images.Add(ContentPart.FromImage($"data:{media};base64,{Convert.ToBase64String(bytes)}"));
            }
            else
            {
                var content = Text(path, bytes);
                var fence = new string('`', Math.Max(3, LongestRun(content, '`') + 1));
                text.Append(CultureInfo.InvariantCulture, $"\n\n{path}:\n{fence}\n{content.TrimEnd('\n')}\n{fence}");
            }
        }

        return images.Count == 0
            ? ChatMessage.User(text.ToString())
            : ChatMessage.FromParts(ChatRole.User, [ContentPart.FromText(text.ToString()), .. images]);
    }

    private static byte[] Read(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                throw new UsageException($"cannot attach {path}: it is a directory");
            }

            using var file = File.OpenRead(path);
            if (file.Length > MaxSentBytes)
            {
                throw new UsageException($"{path} is too large: {Size(file.Length)}, and an attachment can be up to {Size(MaxSentBytes)}");
            }

            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read {path}: {(ex is FileNotFoundException or DirectoryNotFoundException ? "no such file" : ex.Message)}");
        }
    }

    private static string Text(string path, byte[] bytes)
    {
        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return text.Contains('\0', StringComparison.Ordinal) ? throw new DecoderFallbackException() : text.TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            throw new UsageException($"cannot attach {path}: it is neither UTF-8 text nor a PNG, JPEG, GIF or WebP image");
        }
    }

    /// <summary>The image's media type from its first bytes, or null for anything else.</summary>
    private static string? ImageType(ReadOnlySpan<byte> b) => b switch
    {
        [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => "image/png",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "image/gif",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "image/webp",
        _ => null,
    };

    private static int LongestRun(string text, char c)
    {
        var (longest, run) = (0, 0);
        foreach (var ch in text)
        {
            run = ch == c ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return longest;
    }

    private static string Size(long bytes) => bytes >= 1024 * 1024
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MB")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, bytes / 1024)} KB");
}
