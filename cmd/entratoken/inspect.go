package main

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/inspect"
	"github.com/entratoken/entratoken/internal/netx"
	"github.com/entratoken/entratoken/internal/token"
)

// InspectOptions holds what the inspect command needs.
type InspectOptions struct {
	Token        string
	HasToken     bool
	JWKS         string
	OpenIDConfig string
	NoVerify     bool
}

func newInspectCmd(f *Factory, runF func(context.Context, *InspectOptions) error) *cobra.Command {
	o := &InspectOptions{}
	cmd := &cobra.Command{
		Use:   "inspect [TOKEN | @FILE | -]",
		Short: "Decode a token, explain its claims and verify its signature",
		Long: `Decode an access token, explain every claim, and verify its signature against the
keys of the tenant that issued it.

Keys come from the token's tenant (tid) at the authority host, from the v1 or v2 metadata
matching the token's version; or from --jwks / --openid-config. Never from anything the
token carries: iss, jku, x5u, an embedded jwk or x5c are not trusted. Only RS256 is
accepted; alg "none" and HS256 are reported. Keys are cached (--cache-dir); a kid that is
not in the cached set makes entratoken fetch the set once more (key rollover).

The token is read from the argument, from @FILE, or from stdin ("-" or no argument).
Whitespace, quotes, "Authorization:" and "Bearer " around it are removed.

Exit 0 when the signature is valid (or --no-verify) and the token is within its lifetime;
1 otherwise; 2 for bad input; 3 when the tenant's keys cannot be had.`,
		Example: `  entratoken inspect "$TOKEN"
  entratoken inspect @token.txt -o json
  pbpaste | entratoken inspect
  entratoken inspect "$TOKEN" --jwks keys.json --offline`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Token, o.HasToken = args[0], true
			}
			if err := validateKeyFlags(o.JWKS, o.OpenIDConfig, o.NoVerify); err != nil {
				return err
			}
			f.markRan()
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runInspect(cmd.Context(), f, o)
		},
	}
	cmd.Flags().StringVar(&o.JWKS, "jwks", "", "verify with this JWK set or JWK (`FILE|URL`)")
	cmd.Flags().StringVar(&o.OpenIDConfig, "openid-config", "", "verify with the keys of this discovery document (`URL`)")
	cmd.Flags().BoolVar(&o.NoVerify, "no-verify", false, "do not check the signature (the output says so loudly)")
	return cmd
}

func runInspect(ctx context.Context, f *Factory, o *InspectOptions) error {
	raw, err := token.Read(o.Token, o.HasToken, f.IO.In, f.IO.InTTY)
	if err != nil {
		return err
	}
	rep, err := inspect.Inspect(ctx, raw, inspect.Options{
		Resolver:     f.Resolver(),
		JWKS:         o.JWKS,
		OpenIDConfig: o.OpenIDConfig,
		NoVerify:     o.NoVerify,
		Tenant:       f.Globals.Tenant,
	})
	if err != nil {
		if f.Globals.Output == "text" && rep.Decoded() != nil {
			// The decoded token is still worth seeing; the error follows on stderr.
			_ = f.printRedacted(f.IO.Out, func(w io.Writer) error { return rep.WriteText(w, f.IO.Palette()) })
		}
		return err
	}
	// What the key sources said (a --jwks URL with a signed query, an
	// error that quotes it) passes the invocation's redaction.
	if err := f.printRedacted(f.IO.Out, func(w io.Writer) error {
		if f.Globals.Output == "json" {
			return writeJSON(w, rep)
		}
		return rep.WriteText(w, f.IO.Palette())
	}); err != nil {
		return err
	}
	if !rep.OK() {
		return errFailed
	}
	return nil
}

// validateKeyFlags checks --jwks, --openid-config (and inspect's
// --no-verify) the same way for every command that takes them.
func validateKeyFlags(jwks, openIDConfig string, noVerify bool) error {
	if jwks != "" && openIDConfig != "" {
		return flagErrorf("flag '--jwks' and flag '--openid-config' are mutually exclusive")
	}
	if noVerify && (jwks != "" || openIDConfig != "") {
		return flagErrorf("flag '--no-verify' and flag '--jwks'/'--openid-config' are mutually exclusive")
	}
	for flag, v := range map[string]string{"--jwks": jwks, "--openid-config": openIDConfig} {
		if strings.Contains(v, "://") {
			if _, err := netx.CheckURL(v); err != nil {
				return flagErrorf("%s: %v", flag, err)
			}
		} else if flag == "--openid-config" && v != "" {
			return flagErrorf("--openid-config takes a URL (https://...), not %q", v)
		}
	}
	return nil
}
