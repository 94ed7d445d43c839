using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AgentPulse.Server.Identity;

/// <summary>
/// The key that signs and checks the tokens this server mints: <see cref="IdentityOptions.SigningKey"/>, or
/// the development key, made once (256 random bits) in <c>DataPath/identity/development-signing-key</c>,
/// readable by its owner only. <c>null</c> key when an <see cref="IdentityOptions.Authority"/> signs instead.
/// </summary>
public sealed class SigningKeys
{
    /// <summary>The development key's file, under the data folder.</summary>
    public const string DevelopmentKeyFile = "identity/development-signing-key";

    private readonly Lazy<SymmetricSecurityKey?> key;

    public SigningKeys(IOptions<IdentityOptions> options, string dataPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        var opts = options.Value;
        IsDevelopmentKey = opts.Authority is null && opts.SigningKey is null;
        key = new Lazy<SymmetricSecurityKey?>(() =>
            opts.Authority is not null ? null
            : opts.SigningKey is { } configured ? new SymmetricSecurityKey(Convert.FromBase64String(configured)) { KeyId = "configured" }
            : new SymmetricSecurityKey(LoadOrCreate(Path.Combine(dataPath, DevelopmentKeyFile))) { KeyId = "development" });
    }

    /// <summary>Whether tokens are signed with the development key (nothing configured).</summary>
    public bool IsDevelopmentKey { get; }

    /// <summary>The symmetric key; <c>null</c> when an authority's keys are used.</summary>
    public SymmetricSecurityKey? Key => key.Value;

    private static byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
            writer.Write(Convert.ToBase64String(bytes));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process made it first: use theirs.
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
        return bytes;
    }
}
