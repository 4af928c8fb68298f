using Tomlyn;
using Tomlyn.Model;

namespace Relay.Cli.Config;

/// <summary>
/// The settings file as a TOML table: read, changed by <c>relay alias</c> and <c>relay template</c>, and written back
/// readable by its owner only (it can hold a token), through a temporary file and a rename so a reader never sees half
/// of it. A rewrite keeps every setting but not comments.
/// </summary>
internal static class ConfigFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The file's table; empty when there is no file.</summary>
    /// <exception cref="UsageException">The file is not valid TOML or cannot be read.</exception>
    public static TomlTable Read(ConfigLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        string text;
        try
        {
            text = File.ReadAllText(location.Path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return location.Explicit ? throw new UsageException($"RELAY_CONFIG names {location.Path}, which does not exist") : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{location.Path} cannot be read: {ex.Message}");
        }

        try
        {
            return TomlSerializer.Deserialize(text, ConfigTomlContext.Default.TomlTable) ?? [];
        }
        catch (TomlException ex)
        {
            // The converter wraps the parser's own message ("(line,column) : error : ..."), which is the useful part.
            throw new UsageException($"{location.Path} is not valid TOML: {Innermost(ex).Message}");
        }
    }

    /// <summary>Whether others than the owner may read the file (then a token in it is not used).</summary>
    public static bool OthersCanRead(string path) =>
        !OperatingSystem.IsWindows() && File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;

    /// <summary>Reads the table, applies <paramref name="change"/> and writes it back, owner-only.</summary>
    public static void Update(ConfigLocation location, Action<TomlTable> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var table = Read(location);
        change(table);
        WriteOwnerOnly(location, location.Path, TomlSerializer.Serialize(table, ConfigTomlContext.Default.TomlTable));
    }

    /// <summary>Removes <paramref name="name"/> from the table <paramref name="section"/>; false when it was not there.</summary>
    public static bool Remove(ConfigLocation location, string section, string name)
    {
        var removed = false;
        Update(location, table => removed = Section(table, section).Remove(name));
        return removed;
    }

    /// <summary>The table <paramref name="name"/> of <paramref name="table"/>, made when there is none.</summary>
    public static TomlTable Section(TomlTable table, string name)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.TryGetValue(name, out var value) && value is TomlTable section)
        {
            return section;
        }

        var made = new TomlTable();
        table[name] = made;
        return made;
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> in the settings folder, readable by its owner only.</summary>
    public static void WriteOwnerOnly(ConfigLocation location, string path, string text)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(location.Folder);
            File.WriteAllText(path, text);
            return;
        }

        Directory.CreateDirectory(location.Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temporary = path + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using (var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = OwnerOnly }))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(text);
        }

        File.SetUnixFileMode(temporary, OwnerOnly); // an existing temporary file keeps its mode on Create
        File.Move(temporary, path, overwrite: true);
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;
}
