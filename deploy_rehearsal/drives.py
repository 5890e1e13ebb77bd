"""The workflows driven on the deployed stacks through their public surfaces, as far as the emulator allows."""
DRIVES = []
