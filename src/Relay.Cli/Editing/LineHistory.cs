using System.Text;
using System.Text.Json;

namespace Relay.Cli.Editing;

/// <summary>
/// The lines entered at <c>relay chat</c>'s prompt, newest last, kept in a file beside the conversation log (one JSON
/// string a line, so a multi-line entry stays one entry; readable by its owner only: prompts are private). At most
/// <see cref="Limit"/> entries are kept; an entry equal to the one before it is not added again.
/// </summary>
internal sealed class LineHistory
{
    public const int Limit = 1000;

    private readonly List<string> _entries;
    private readonly string? _path;

    private LineHistory(List<string> entries, string? path) => (_entries, _path) = (entries, path);

    public int Count => _entries.Count;

    public string this[int index] => _entries[index];

    /// <summary>A history that lives only as long as this process.</summary>
    public static LineHistory InMemory() => new([], null);

    /// <summary>
    /// The history in <paramref name="path"/> (empty when there is none, or it cannot be read). A file that grew past twice
    /// the limit is cut back to the newest <see cref="Limit"/> entries here, so adding stays one append.
    /// </summary>
    public static LineHistory Load(string path)
    {
        var entries = new List<string>();
        try
        {
            var lines = 0;
            foreach (var line in File.ReadLines(path))
            {
                lines++;
                if (Decode(line) is { } entry)
                {
                    entries.Add(entry);
                }
            }

            if (lines > 2 * Limit)
            {
                File.WriteAllLines(path, entries[^Limit..].Select(Encode));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No history yet, or none that can be read: start empty, as a shell does.
        }

        return new LineHistory(entries.Count > Limit ? entries[^Limit..] : entries, path);
    }

    /// <summary>Adds an entry and appends it to the file.</summary>
    public void Add(string entry)
    {
        if (string.IsNullOrWhiteSpace(entry) || (_entries.Count > 0 && _entries[^1] == entry))
        {
            return;
        }

        _entries.Add(entry);
        if (_entries.Count > Limit)
        {
            _entries.RemoveAt(0);
        }

        if (_path is null)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var file = new FileStream(_path, options);
            file.Write(Encoding.UTF8.GetBytes(Encode(entry) + "\n"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The history is a convenience: the chat goes on without it.
        }
    }

    private static string Encode(string entry) => JsonSerializer.Serialize(entry, CliJsonContext.Default.String);

    private static string? Decode(string line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, CliJsonContext.Default.String);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
