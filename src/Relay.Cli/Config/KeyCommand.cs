namespace Relay.Cli.Config;

/// <summary>
/// <c>relay key set</c> (the key from stdin, or typed at a prompt that does not echo it) and <c>relay key remove</c>: the
/// OpenRouter key for the edge relay runs itself, stored owner-only beside the settings (<see cref="StoredKey"/>).
/// </summary>
internal sealed class KeyCommand(CliConsole console, ConfigLocation location)
{
    public async Task<int> SetAsync(CancellationToken cancellationToken)
    {
        string? key;
        if (console.InputRedirected)
        {
            key = await console.In.ReadLineAsync(cancellationToken);
        }
        else
        {
            await console.Error.WriteAsync("OpenRouter key (not shown): ");
            key = ReadHidden();
            await console.Error.WriteLineAsync();
        }

        key = key?.Trim();
        if (string.IsNullOrEmpty(key) || key.Any(char.IsWhiteSpace))
        {
            throw new UsageException("no key given: type it at the prompt, or pipe it in (relay key set < file)");
        }

        ConfigFile.WriteOwnerOnly(location, location.KeyPath, key + "\n");
        await console.Error.WriteLineAsync($"key stored in {location.KeyPath} (readable by you only); relay's own edge uses it when OPENROUTER_API_KEY is not set");
        return ExitCodes.Success;
    }

    public async Task<int> RemoveAsync()
    {
        var existed = File.Exists(location.KeyPath);
        File.Delete(location.KeyPath);
        await console.Error.WriteLineAsync(existed ? "key removed" : "no key was stored");
        return ExitCodes.Success;
    }

    /// <summary>A line typed at the terminal without echo (Backspace works; Enter ends it).</summary>
    private static string ReadHidden()
    {
        var key = new System.Text.StringBuilder();
        while (Console.ReadKey(intercept: true) is var k && k.Key != ConsoleKey.Enter)
        {
            if (k.Key == ConsoleKey.Backspace)
            {
                key.Length = Math.Max(0, key.Length - 1);
            }
            else if (!char.IsControl(k.KeyChar))
            {
                key.Append(k.KeyChar);
            }
        }

        return key.ToString();
    }
}
