"""The scripting subcommands of `knot-tui` (create, forward, ssh-config, vnc): no Textual."""
