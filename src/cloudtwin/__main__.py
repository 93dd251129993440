import sys

from cloudtwin.cli import main

sys.exit(main())
