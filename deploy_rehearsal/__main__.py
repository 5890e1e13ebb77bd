import sys

from deploy_rehearsal.rehearsal import main

sys.exit(main())
